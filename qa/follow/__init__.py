"""Followed questions: re-answered after every index update whose articles could change
their answer; a change is recorded as an event (book.py), shown in the chat, the command
line, an Atom feed (atom.py) and, when asked for, posted to a webhook."""
