"""staletrack.json_input: the one reader of JSON that users and trackers send. Every refusal is a
JsonInputError saying what and where; nothing else escapes (no RecursionError, no silent last key)."""

import json

import pytest

from staletrack.json_input import JsonInputError, format_path, load_json
from staletrack.limits import MAX_JSON_DEPTH


def refused(data, **options) -> JsonInputError:
    with pytest.raises(JsonInputError) as caught:
        load_json(data, what="file", **options)
    return caught.value


def nested(depth: int) -> str:
    """An array `depth` levels deep (the outermost is level 1)."""
    return "[" * depth + "]" * depth


def test_a_good_document_reads_as_json_loads_would():
    text = '{"format": "x", "cases": [{"a": 1.5, "b": null, "c": [true, "\\u00e9"]}]}'
    assert load_json(text, what="file") == json.loads(text)
    assert load_json(text.encode(), what="file") == json.loads(text)


def test_a_byte_order_mark_is_allowed():
    assert load_json(b'\xef\xbb\xbf{"a": 1}', what="file") == {"a": 1}
    assert load_json('\ufeff{"a": 1}', what="file") == {"a": 1}


def test_not_utf8_names_the_first_bad_byte():
    error = refused(b'{"a": "caf\xe9"}')
    assert str(error) == "file is not UTF-8 (first bad byte at offset 10)"
    assert (error.what, error.path) == ("file", ())


def test_invalid_json_names_line_and_column():
    assert str(refused('{\n  "a": }')) == "file is not valid JSON: Expecting value at line 2, column 8"


def test_a_raw_nul_byte_is_named_with_its_line_and_column():
    assert str(refused(b'{"a": 1,\n "b": "x\x00y"}')) == "file contains a NUL character at line 2, column 9"


def test_an_escaped_nul_is_named_with_its_path():
    error = refused('{"cases": [{"order": {"sku": "A\\u0000B"}}]}')
    assert str(error) == "file contains a NUL character (\\u0000) at cases[0].order.sku"
    assert error.path == ("cases", 0, "order", "sku")
    assert error.problem == "contains a NUL character (\\u0000)"


def test_a_nul_in_a_key_is_named_at_its_object_without_showing_the_key():
    error = refused('{"cases": [{"a\\u0000": 1}]}')
    assert str(error) == "file has a key that contains a NUL character (\\u0000) at cases[0]"


def test_an_unpaired_surrogate_is_refused():
    # Python reads it, but no UTF-8 encoder (PostgreSQL's included) takes it.
    error = refused('{"a": ["ok", "\\ud800x"]}')
    assert str(error) == "file contains an unpaired surrogate (\\ud800) at a[1]"


def test_a_pair_of_surrogates_is_one_character_and_fine():
    assert load_json('["\\ud83d\\udce6"]', what="file") == ["\U0001f4e6"]


def test_the_deepest_document_allowed_reads_and_one_level_more_is_named():
    assert load_json(nested(MAX_JSON_DEPTH), what="file") == json.loads(nested(MAX_JSON_DEPTH))
    error = refused(nested(MAX_JSON_DEPTH + 1))
    assert error.problem == f"nests deeper than {MAX_JSON_DEPTH} levels"
    assert len(error.path) == MAX_JSON_DEPTH


def test_objects_count_as_levels_too():
    text = '{"a": ' * (MAX_JSON_DEPTH + 1) + "1" + "}" * (MAX_JSON_DEPTH + 1)
    assert refused(text).problem == f"nests deeper than {MAX_JSON_DEPTH} levels"


@pytest.mark.parametrize("depth", [5_000, 200_000])
def test_a_document_deeper_than_the_parser_can_recurse_is_named_not_a_recursion_error(depth):
    error = refused(nested(depth))
    assert str(error).startswith(f"file nests deeper than {MAX_JSON_DEPTH} levels")


def test_a_repeated_key_is_named_with_its_object():
    error = refused('{"cases": [{"order": {"order_id": "#1", "sku": "A", "order_id": "#2"}}]}')
    assert str(error) == 'file has the key "order_id" twice at cases[0].order'
    assert error.path == ("cases", 0, "order")


def test_a_repeated_key_at_the_top_is_named():
    assert str(refused('{"format": "a", "format": "b"}')) == 'file has the key "format" twice'


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(constant):
    assert str(refused(f'{{"value": {constant}}}')) == (
        f"file is not valid JSON: {constant} is not a number JSON allows"
    )


def test_a_float_too_large_for_a_number_is_refused():
    assert str(refused("[1e999]")) == "file is not valid JSON: the number 1e999 is too large"


def test_an_integer_too_long_to_read_is_refused():
    assert str(refused("[" + "9" * 5000 + "]")) == "file is not valid JSON: a number is too long to read"


def test_the_size_limit_is_checked_before_reading():
    assert str(refused(b"[" + b" " * 2000 + b"]", max_bytes=1000)) == (
        "file is larger than 1,000 bytes; split it"
    )
    assert refused(b"[]" + b" " * (10 * 1024 * 1024), max_bytes=10 * 1024 * 1024).problem == (
        "is larger than 10 MB; split it"
    )
    assert load_json(b"[" + b" " * 997 + b"]", what="file", max_bytes=999) == []


def test_a_long_key_is_shortened_where_a_path_names_it():
    key = "k" * 500
    error = refused(json.dumps({key: {"a": 1, "b": "\u0000"}}))
    assert str(error) == f"file contains a NUL character (\\u0000) at {'k' * 39}….b"


def test_format_path():
    assert format_path(("cases", 3, "tracking", "events", 0, "at")) == "cases[3].tracking.events[0].at"
    assert format_path((0, "a")) == "[0].a"
    assert format_path(()) == "the top"
