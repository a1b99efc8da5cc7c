"""Messages in: supplier emails read into proposals that a person confirms (docs/messages.md)."""
