"""Reading the files stores already have (issue 4, "Imports people already have"), without a database.

Each module turns a file's bytes into validated plain values or raises `cases.csvfiles.CsvError` naming
every problem; `cases.services` stores the values.
"""
