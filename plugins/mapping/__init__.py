"""The mapping source: statements from any JSON webhook, by a declarative mapping (no code).

The admin adds a source with ``lrs sources add mapping --name N --option mapping=@mapping.json`` (or
POST /api/v1/sources with ``options.mapping``); the mapping is checked then, and every problem names its
path (``options.mapping.rules[1].statement.verb.id``). See ``examples/README.md`` for the language and
two worked mappings.

Modules: ``rules`` (the mapping and its rules), ``conditions`` (``match``), ``templates`` (statement
templates compiled into ``nodes``), ``values`` (conversions), ``samples`` and ``checks`` (what a template
can give, checked), ``profile`` (the micro-learning profile), ``paths`` (locations and JSONPaths),
``auth`` (HMAC or token), ``source`` (the plugin).
"""

from plugins.mapping.source import MappingSource

__all__ = ["MappingSource"]
