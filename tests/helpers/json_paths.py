"""Every place in a JSON document, and the document with one of them replaced: for tests that put a value
of any type or length in every field."""

import copy


def paths(node, prefix=()):
    """The path (a tuple of keys and indexes) of `node` and of everything inside it, outside in."""
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from paths(value, (*prefix, i))


def replaced(document, path, value):
    """A copy of `document` with `value` at `path` (the value itself for the empty path)."""
    if not path:
        return value
    document = copy.deepcopy(document)
    node = document
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return document
