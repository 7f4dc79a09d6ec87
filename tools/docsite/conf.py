# Sphinx configuration of `make docs`: the pages antsibull-docs generates for snowspoke.jira, rendered with the
# Ansible theme (as `antsibull-docs sphinx-init` sets it up), without intersphinx: this machine and CI reach no
# documentation host, so references out of the collection are left as text.
# pylint: disable=invalid-name
project = 'snowspoke.jira'
copyright = 'snowspoke developers'  # pylint: disable=redefined-builtin
title = 'snowspoke.jira'
html_short_title = 'snowspoke.jira'

extensions = ['sphinx_antsibull_ext']

pygments_style = 'ansible'
highlight_language = 'YAML+Jinja'

html_theme = 'sphinx_ansible_theme'
html_show_sphinx = False
display_version = False
html_use_smartypants = True
html_use_modindex = False
html_use_index = False
html_copy_source = False

default_role = 'any'
nitpicky = True

# Labels of the Ansible documentation that antsibull-docs' pages refer to. Without intersphinx (no network) they
# cannot resolve: they render as plain text instead of failing the build. Any other dangling reference fails it.
nitpick_ignore = [
    ('ref', 'action_plugins'),
    ('ref', 'common_return_values'),
    ('ref', 'ansible_configuration_settings'),
]
