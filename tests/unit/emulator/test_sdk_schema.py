"""The emulator's tables that ServiceNow's Fluent SDK also defines, column by column, against the SDK's schema
(npm ``@servicenow/sdk-core``, MIT: ``dist/fluent/tables/**/*.now.js``, compiled from ``src/.../*.now.ts``).

The SDK package is fetched with ``npm pack`` into ``.cache/sdk/`` (never committed) and reused from there. Its
table files are run by node with the SDK's ``db`` module replaced by one that tags each column with the name of
the function that made it (StringColumn, ReferenceColumn, ...): that name is the column's type.

A difference fails naming table and column, unless EXCEPTIONS lists it with its reason and source.
"""

import base64
import hashlib
import json
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

import pytest

from tests.emulator.servicenow import schema

SDK_PACKAGE = "@servicenow/sdk-core"
SDK_VERSION = "4.9.0"
SDK_INTEGRITY = "sha512-6ZJpD0MWe88xS44pybxAlEdkkB1bq2pGv6DQUnCfe5i2o/vOGKssBDdp1dnHRXkP2oT+OAfDpKkB/S6nZtEV7w=="
CACHE = Path(__file__).resolve().parents[3] / ".cache" / "sdk" / ("sdk-core-" + SDK_VERSION)
TABLES_DIR = CACHE / "package" / "dist" / "fluent" / "tables"

# Compared both ways: every emulated column is in the SDK with the same type family, and every SDK column
# (its own and its parents') is emulated.
FULL = ("sys_alias", "sys_alias_templates", "sys_variable_value", "var_dictionary")
# The emulator models only the columns the set-up touches of these: every emulated column must be a real one.
PARTIAL = ("sys_user", "sys_user_role", "sys_scope", "sys_db_object", "sys_dictionary")

# SDK column functions -> type family; the emulator's kinds map through EMULATOR_FAMILY.
SDK_FAMILY = {
    "StringColumn": "string", "TranslatedTextColumn": "string", "MultiLineTextColumn": "string",
    "EmailColumn": "string", "ChoiceColumn": "string", "VersionColumn": "string",
    "BooleanColumn": "boolean", "IntegerColumn": "integer", "DecimalColumn": "decimal",
    "ReferenceColumn": "reference", "DomainIdColumn": "reference",
    "JsonColumn": "json", "ScriptColumn": "script", "DocumentIdColumn": "document_id",
    "TableNameColumn": "table_name", "SystemClassNameColumn": "sys_class_name", "GuidColumn": "GUID",
    "DateTimeColumn": "glide_date_time", "UrlColumn": "url", "Password2Column": "password2",
}
GENERIC_FAMILY = {"GUID": "GUID", "glide_date_time": "glide_date_time", "password": "password",
                  "documentation_field": "string"}
EMULATOR_FAMILY = {"choice": "string"}

_METADATA_BOOKKEEPING = ("sys_name", "sys_package", "sys_policy", "sys_update_name")
_DICTIONARY_ATTRIBUTES = (
    "array", "array_denormalized", "attributes", "audit", "calculation", "choice", "choice_field", "choice_table",
    "column_label", "comments", "create_roles", "defaultsort", "delete_roles", "dependent", "dependent_on_field",
    "display", "dynamic_creation", "dynamic_creation_script", "dynamic_default_value", "dynamic_ref_qual",
    "element_reference", "foreign_database", "formula", "function_definition", "function_field", "next_element",
    "primary", "read_only", "read_roles", "reference", "reference_cascade_rule", "reference_floats",
    "reference_key", "reference_qual", "reference_qual_condition", "reference_type", "sizeclass", "spell_check",
    "staged", "table_reference", "text_index", "unique", "use_dependent_field", "use_dynamic_default",
    "use_reference_qualifier", "virtual", "virtual_type", "widget", "write_roles", "xml_view")
_NAME_KEYED = ("a reference keyed by name on real instances (GlideRecord scripts query internal_type='reference' and "
               "read getValue('reference') as a table name); the emulator stores that name as a plain string and "
               "does not model name-keyed references (only their link rendering differs)")


def _each(tables, columns, reason):
    return {(table, column): reason for table in tables for column in columns}


# (table, column) -> why the emulator differs from the SDK there, and the source.
EXCEPTIONS = {
    **_each(FULL, _METADATA_BOOKKEEPING,
            "sys_metadata bookkeeping (update sets, packages, protection) the set-up never reads or writes; "
            "SDK sys_metadata.now.ts"),
    **_each(FULL + ("sys_user_role", "sys_scope", "sys_db_object", "sys_dictionary"), ("sys_domain",),
            "the emulator gives every table sys_domain, a reference to sys_user_group (Table API examples show it "
            "on records, c_TableAPI.md; SDK sys_user.now.ts); the SDK's sys_metadata and sys_package do not list "
            "it: unconfirmed for these tables"),
    **_each(("sys_scope",), ("sys_class_name", "sys_created_by", "sys_created_on", "sys_id", "sys_mod_count",
                             "sys_updated_by", "sys_updated_on", "sys_scope"),
            "system columns the SDK's sys_package (which sys_scope extends) does not list; every record carries "
            "sys_id, sys_created_*, sys_updated_*, sys_mod_count and sys_class_name (c_TableAPI.md examples); "
            "sys_scope on sys_scope itself is unconfirmed"),
    **_each(FULL + ("sys_user", "sys_user_role", "sys_scope", "sys_db_object", "sys_dictionary"), ("sys_tags",),
            "every Table API answer shows sys_tags (c_TableAPI.md examples): a column the platform adds to every "
            "table, not in the SDK's schemas"),
    **_each(("sys_user",), ("sys_scope",),
            "emulator simplification: every emulated table carries sys_scope; the SDK's sys_user has none (the "
            "set-up reads sys_scope of application records only)"),
    **_each(("var_dictionary",), _DICTIONARY_ATTRIBUTES,
            "dictionary attributes var_dictionary inherits from sys_dictionary (SDK sys_dictionary.now.ts) that no "
            "connection attribute definition the set-up reads uses"),
    ("var_dictionary", "model"):
        "the link column of connection attribute definitions under attribute_model var_model: real subclass "
        "records carry model (servicenow-evidence 2.2); absent under attribute_model model_id, the SDK's schema",
    ("var_dictionary", "internal_type"): _NAME_KEYED + " (SDK: reference to sys_glide_object)",
    ("sys_dictionary", "internal_type"): _NAME_KEYED + " (SDK: reference to sys_glide_object)",
    ("sys_dictionary", "reference"): _NAME_KEYED + " (SDK: reference to sys_db_object)",
}

# Runs the SDK's compiled table files with its db module replaced: prints {table: {extends, columns}}.
_LOADER = r"""
const Module = require('module');
const fs = require('fs');
const path = require('path');
const [dir, ...wanted] = process.argv.slice(1);  // node -e: no script path in argv
const files = {};
(function walk(d) {
  for (const entry of fs.readdirSync(d, {withFileTypes: true})) {
    const full = path.join(d, entry.name);
    if (entry.isDirectory()) walk(full);
    else if (entry.name.endsWith('.now.js')) files[entry.name.slice(0, -'.now.js'.length)] = full;
  }
})(dir);
const db = new Proxy({}, {get: (_, key) => key === '__esModule' ? true
  : (key === 'Table' || key === 'Record') ? (c => c) : (c => Object.assign({}, c, {__kind: String(key)}))});
const load = Module._load;
Module._load = function (request) {
  return /(^|\/)db$/.test(request) ? db : load.apply(this, arguments);
};
const out = {};
const queue = [...wanted];
while (queue.length) {
  const name = queue.shift();
  if (out[name] || !files[name]) continue;
  for (const table of Object.values(require(files[name]))) {
    if (!table || table.name !== name || !table.schema) continue;
    const columns = {};
    for (const [column, spec] of Object.entries(table.schema)) {
      columns[column] = {kind: spec.__kind, type: spec.columnType || spec.column_type || null,
                         reference: spec.referenceTable || null};
    }
    out[name] = {extends: table.extends || null, columns};
    if (table.extends) queue.push(table.extends);
  }
}
process.stdout.write(JSON.stringify(out));
"""


def _fetch_sdk():
    """Unpack the pinned SDK package into CACHE (npm pack; reused when present)."""
    if TABLES_DIR.is_dir():
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is needed to fetch %s@%s for the SDK schema test (CI has the npm registry)"
                    % (SDK_PACKAGE, SDK_VERSION))
    with tempfile.TemporaryDirectory() as work:
        packed = subprocess.run([npm, "pack", "%s@%s" % (SDK_PACKAGE, SDK_VERSION), "--pack-destination", work,
                                 "--loglevel=error"], capture_output=True, text=True, timeout=300, check=False)
        tarballs = list(Path(work).glob("*.tgz"))
        if packed.returncode != 0 or len(tarballs) != 1:
            pytest.fail("npm pack %s@%s failed (rc %s): %s" % (SDK_PACKAGE, SDK_VERSION, packed.returncode,
                                                               (packed.stderr or packed.stdout).strip()[-1000:]))
        digest = "sha512-" + base64.b64encode(hashlib.sha512(tarballs[0].read_bytes()).digest()).decode()
        if digest != SDK_INTEGRITY:
            pytest.fail("%s@%s does not match its pinned integrity %s (got %s)"
                        % (SDK_PACKAGE, SDK_VERSION, SDK_INTEGRITY, digest))
        unpacked = Path(work) / "unpacked"
        with tarfile.open(tarballs[0]) as archive:
            archive.extractall(unpacked, filter="data")
        CACHE.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(CACHE, ignore_errors=True)
        shutil.move(str(unpacked), str(CACHE))


@pytest.fixture(scope="module")
def sdk_tables():
    """{table: {column: (family, reference table or None)}} with the columns of the tables it extends."""
    _fetch_sdk()
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is needed to read the SDK's table schemas")
    ran = subprocess.run([node, "-e", _LOADER, str(TABLES_DIR)] + list(FULL + PARTIAL), capture_output=True,
                         text=True, timeout=120, check=False)
    if ran.returncode != 0:
        pytest.fail("reading the SDK's table files failed: %s" % ran.stderr[-2000:])
    raw = json.loads(ran.stdout)

    def resolved(name):
        definition = raw.get(name)
        if definition is None:
            return {}
        merged = dict(resolved(definition["extends"])) if definition["extends"] else {}
        for column, spec in definition["columns"].items():
            if spec["kind"] == "OverrideColumn":
                continue  # the base table's column, with other attributes
            if spec["kind"] == "GenericColumn":
                family = GENERIC_FAMILY.get(spec["type"], "generic:%s" % spec["type"])
            else:
                family = SDK_FAMILY.get(spec["kind"], spec["kind"])
            merged[column] = (family, spec["reference"])
        return merged
    missing = [name for name in FULL + PARTIAL if name not in raw]
    assert not missing, "the SDK %s no longer defines %s" % (SDK_VERSION, ", ".join(missing))
    return {name: resolved(name) for name in FULL + PARTIAL}


def _emulated(table):
    return {name: (EMULATOR_FAMILY.get(f.kind, f.kind), f.reference if f.kind == "reference" else None)
            for name, f in schema.table(table).all_fields.items()}


def _differences(table, sdk, both_ways):
    """[(column, what differs)] between the emulator and the SDK for ``table``, exceptions included."""
    emulated = _emulated(table)
    found = []
    for column, (family, reference) in sorted(emulated.items()):
        if column not in sdk:
            found.append((column, "emulated as %s, not in the SDK" % family))
        elif sdk[column] != (family, reference):
            found.append((column, "emulated as %s%s, the SDK has %s%s" % (
                family, " -> " + reference if reference else "", sdk[column][0],
                " -> " + sdk[column][1] if sdk[column][1] else "")))
    if both_ways:
        found += [(column, "in the SDK (%s), not emulated" % sdk[column][0])
                  for column in sorted(set(sdk) - set(emulated))]
    return found


@pytest.mark.parametrize("table", FULL + PARTIAL)
def test_columns_match_the_sdk(sdk_tables, table):
    differences = [(column, why) for column, why in _differences(table, sdk_tables[table], table in FULL)
                   if (table, column) not in EXCEPTIONS]
    lines = "\n".join("  %s.%s: %s" % (table, column, why) for column, why in differences)
    assert not differences, "%s differs from %s %s:\n%s" % (table, SDK_PACKAGE, SDK_VERSION, lines)


def test_every_exception_is_still_needed(sdk_tables):
    hidden = {(table, column) for table in FULL + PARTIAL
              for column, _why in _differences(table, sdk_tables[table], table in FULL)}
    assert not set(EXCEPTIONS) - hidden, "exceptions that hide no difference: %s" % sorted(set(EXCEPTIONS) - hidden)
