"""Stand-ins that fail once, for tests of what survives a failure half way."""


def failing_on_call(real, *, call: int, error: Exception):
    """A stand-in for `real` that raises `error` on its `call`-th call (counted from 1) and is `real`
    otherwise."""
    calls = 0

    def stand_in(*args, **kwargs):
        nonlocal calls
        calls += 1
        if calls == call:
            raise error
        return real(*args, **kwargs)

    return stand_in
