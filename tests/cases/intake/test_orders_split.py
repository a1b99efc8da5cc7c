"""Where a large orders file is cut in two: at an order boundary after its middle, or not at all."""

import io

from cases.intake.orders_split import Cut, SharedStream, find_cut


def file_of(*records: str) -> io.BytesIO:
    return io.BytesIO(("Name,Total\n" + "".join(f"{r}\n" for r in records)).encode())


def test_the_cut_falls_where_the_next_order_starts_after_the_middle():
    stream = file_of("#1,1", "#1,2", "#2,3", "#2,4", "#2,5", "#3,6", "#3,7", "#4,8")
    cut = find_cut(stream, order_column=0, min_bytes=0)
    data = stream.getvalue()
    assert cut is not None and cut.offset >= len(data) // 2
    assert data[cut.offset :].startswith(b"#3,6\n")  # #2's rows stay together, before the cut
    assert cut.lines_before == data[: cut.offset].count(b"\n") == 6  # the header and five records


def test_no_cut_for_a_small_file_one_order_or_a_quoted_line_break_at_the_middle():
    assert find_cut(file_of("#1,1", "#2,2"), order_column=0, min_bytes=1 << 20) is None
    assert find_cut(file_of(*["#1,1"] * 50), order_column=0, min_bytes=0) is None
    spanning = file_of("#1,1", '#2,"a', *["b"] * 20, 'c"', "#3,3", "#4,4")
    assert find_cut(spanning, order_column=0, min_bytes=0) is None


def test_a_quote_inside_a_cell_does_not_hide_the_boundary():
    stream = file_of('#1,"say ""hi"""', "#1,2", "#2,3", "#2,4", '#3,"a ""b"""', "#4,5", "#5,6")
    cut = find_cut(stream, order_column=0, min_bytes=0)
    assert cut == Cut(offset=cut.offset, lines_before=stream.getvalue()[: cut.offset].count(b"\n"))
    assert stream.getvalue()[cut.offset - 1 : cut.offset] == b"\n"


def test_the_shared_stream_reads_each_range_whole():
    stream = io.BytesIO(bytes(range(256)) * 10_000)
    shared = SharedStream(stream)
    assert b"".join(shared.chunks(10, 2_000_000)) == stream.getvalue()[10:2_000_000]
    assert b"".join(shared.chunks(2_000_000, None)) == stream.getvalue()[2_000_000:]
