"""The Jira scope catalogue, its presets, the comparison of scope lists, typo suggestions and the generator."""

import json
import os
import subprocess
import sys

import pytest

from ansible_collections.snowspoke.jira.plugins.module_utils.common.errors import OptionError
from ansible_collections.snowspoke.jira.plugins.module_utils.jira import scope_catalogue, scopes

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GENERATOR = os.path.join(REPO, "tools", "gen_scope_catalogue.py")
SPECS = "/work/shared/reference/specs"
PLATFORM_SPEC = os.path.join(SPECS, "jira-platform.swagger-v3.json")
SOFTWARE_SPEC = os.path.join(SPECS, "jira-software.swagger-v3.json")

# The seed procedure's OAuth entity scope table, as written there.
SEED_ENTITY_SCOPES = [
    "delete:sprint:jira-software", "manage:jira-configuration", "manage:jira-project", "manage:jira-webhook",
    "offline_access", "read:issue-details:jira", "read:jira-user", "read:jira-work", "read:jql:jira",
    "read:sprint:jira-software", "write:jira-work", "write:sprint:jira-software", "read:board-scope:jira-software",
    "read:project:jira",
]
SOFTWARE_KINDS = ("board-scope", "board-scope.admin", "epic", "issue", "sprint", "source-code", "feature-flag",
                  "deployment", "build", "remote-link")


def test_catalogue_sizes_and_shapes():
    assert len(scope_catalogue.PLATFORM_SCOPES) == 194  # the union the reference describes
    assert len(set(scope_catalogue.PLATFORM_SCOPES)) == 194
    expected_software = {"%s:%s:jira-software" % (verb, kind) for verb in ("read", "write") for kind in SOFTWARE_KINDS}
    expected_software |= {"delete:board-scope.admin:jira-software", "delete:sprint:jira-software"}
    assert set(scope_catalogue.SOFTWARE_SCOPES) == expected_software
    assert scopes.CLASSIC_SCOPES == ("manage:jira-configuration", "manage:jira-project", "manage:jira-webhook",
                                     "read:jira-user", "read:jira-work", "write:jira-work")
    for name in ("offline_access", "read:me", "read:account", "read:jql:jira", "read:issue-details:jira",
                 "manage:jira-data-provider"):
        assert scopes.is_valid(name), name
    assert not scopes.is_valid("read:jira-wrok")


def test_seed_preset_is_the_seed_entity_scope_list():
    assert sorted(scopes.PRESETS["documented"]) == sorted(SEED_ENTITY_SCOPES)
    assert len(scopes.PRESETS["documented"]) == 14


def test_servicenow_default_adds_three_scopes_and_marks_the_unconfirmed_one():
    added = [name for name in scopes.PRESETS["servicenow_default"] if name not in scopes.PRESETS["documented"]]
    assert added == ["manage:jira-data-provider", "read:me", "read:account"]
    assert scopes.UNCONFIRMED_SCOPES == ("manage:jira-data-provider",)
    assert "manage:jira-data-provider" not in scope_catalogue.PLATFORM_SCOPES
    assert scopes.classify(scopes.PRESETS["servicenow_default"], "seed")["unconfirmed"] == [
        "manage:jira-data-provider"]


def test_every_preset_names_valid_scopes_and_groups_cover_the_seed():
    assert set(scopes.GROUP_PRESETS) == {"issues", "projects", "search", "sprints", "boards", "webhooks", "users",
                                         "admin"}
    for name, members in scopes.PRESETS.items():
        assert members and all(scopes.is_valid(member) for member in members), name
        assert len(set(members)) == len(members), name
    union = set(member for members in scopes.GROUP_PRESETS.values() for member in members)
    assert union == set(scopes.PRESETS["documented"]) - {"offline_access"}
    assert {"read:sprint:jira-software", "write:sprint:jira-software", "delete:sprint:jira-software",
            "read:board-scope:jira-software", "read:project:jira"} <= set(scopes.PRESETS["sprints"])


def test_classify_lists_missing_extra_and_unknown_with_suggestions():
    configured = ["read:jira-wrok", "read:jira-user write:jira-work", "read:me", "read:jira-user"]
    found = scopes.classify(configured, ["read:jira-work", "read:jira-user", "write:jira-work", "offline_access"])
    assert found["missing"] == ["read:jira-work", "offline_access"]
    assert found["extra"] == ["read:jira-wrok", "read:me"]
    assert found["present"] == ["read:jira-user", "write:jira-work"]
    assert found["unknown"] == [{"scope": "read:jira-wrok", "suggestion": "read:jira-work"}]
    assert scopes.describe_unknown(found["unknown"]) == "'read:jira-wrok' (did you mean 'read:jira-work'?)"


@pytest.mark.parametrize("typo,nearest", [
    ("read:jira-wrok", "read:jira-work"),
    ("Read:Jira-Work", "read:jira-work"),
    ("offline-access", "offline_access"),
    ("read:sprint", "read:sprint:jira-software"),
    ("write:sprint:jira-sofware", "write:sprint:jira-software"),
    ("read:board-scope:jira", "read:board-scope:jira-software"),
    ("manage:jira-webhooks", "manage:jira-webhook"),
    ("completely-unrelated", None),
])
def test_suggest_the_nearest_valid_scope(typo, nearest):
    assert scopes.suggest(typo) == nearest


def test_expand_presets_strings_and_lists():
    assert scopes.expand("seed") == scopes.expand("documented") == (list(scopes.PRESETS["documented"]), ["documented"])
    names, presets = scopes.expand(["issues", "sprints", "offline_access"])
    assert presets == ["issues", "sprints"]
    assert names[:2] == ["read:jira-work", "write:jira-work"] and names[-1] == "offline_access"
    assert len(names) == len(set(names))
    assert scopes.expand("read:jira-work write:jira-work") == (["read:jira-work", "write:jira-work"], [])
    assert scopes.expand(None) == ([], [])
    with pytest.raises(OptionError) as error:
        scopes.expand(["sprint"])
    assert "did you mean 'sprints'" in str(error.value)


def test_normalize_rejects_non_strings():
    assert scopes.normalize("a b  a") == ["a", "b"]
    with pytest.raises(OptionError):
        scopes.normalize(["read:jira-work", 3])


def test_satisfies_any_alternative_set():
    alternatives = (("read:jira-work",), ("read:permission:jira", "read:project:jira"))
    assert scopes.satisfies(["read:jira-work"], alternatives)
    assert scopes.satisfies(["read:project:jira", "read:permission:jira"], alternatives)
    assert not scopes.satisfies(["read:project:jira"], alternatives)


# -- the generator -------------------------------------------------------------------------------------------
def _run_generator(*args):
    return subprocess.run([sys.executable, GENERATOR] + list(args), capture_output=True, text=True, check=False)


def test_generator_builds_the_union_from_tiny_specs(tmp_path):
    operation_scopes = [{"scheme": "OAuth2", "scopes": ["read:jira-work"], "state": "Current"},
                        {"scheme": "OAuth2", "scopes": ["read:project:jira"], "state": "Beta"}]
    platform = {"info": {"title": "P", "version": "1"},
                "components": {"securitySchemes": {"OAuth2": {"flows": {"authorizationCode": {"scopes": {
                    "read:jira-work": "x", "write:jira-work": "y"}}}}}},
                "paths": {"/a": {"get": {"x-atlassian-oauth2-scopes": operation_scopes}},
                          "/b": {"parameters": [], "post": {}}}}
    software = {"info": {"title": "S", "version": "2"},
                "components": {"securitySchemes": {"OAuth2": {"flows": {"authorizationCode": {"scopes": {
                    "read:jira-work": "x", "read:sprint:jira-software": "z"}}}}}},
                "paths": {"/s": {"delete": {"security": [{"OAuth2": ["delete:sprint:jira-software"]}, {}]}}}}
    paths = []
    for name, spec in (("p.json", platform), ("s.json", software)):
        path = tmp_path / name
        path.write_text(json.dumps(spec), encoding="utf-8")
        paths.append(str(path))
    output = tmp_path / "catalogue.py"
    assert _run_generator(paths[0], paths[1], "--output", str(output)).returncode == 0
    namespace = {}
    exec(compile(output.read_text(encoding="utf-8"), str(output), "exec"), namespace)  # pylint: disable=exec-used
    assert namespace["PLATFORM_SCOPES"] == ("read:jira-work", "read:project:jira", "write:jira-work")
    assert namespace["SOFTWARE_SCOPES"] == ("delete:sprint:jira-software", "read:sprint:jira-software")
    assert namespace["SOURCES"] == (("P", "1"), ("S", "2"))
    assert _run_generator(paths[0], paths[1], "--output", str(output), "--check").returncode == 0
    output.write_text("stale", encoding="utf-8")
    assert _run_generator(paths[0], paths[1], "--output", str(output), "--check").returncode == 1


@pytest.mark.skipif(not (os.path.exists(PLATFORM_SPEC) and os.path.exists(SOFTWARE_SPEC)),
                    reason="Atlassian's specs are not available here (CI never needs them)")
def test_committed_catalogue_matches_the_specs():
    result = _run_generator(PLATFORM_SPEC, SOFTWARE_SPEC, "--check")
    assert result.returncode == 0, result.stdout + result.stderr
