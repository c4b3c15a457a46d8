"""UserError: a failure whose message tells the person what to do; every way in shows it as
it is (a line, an HTTP error body, a tool error), never as a traceback."""


class UserError(Exception):
    """The message is a sentence for the person who asked."""
