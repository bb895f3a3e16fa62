"""The one error type of the inference layer: bad input a person can fix."""


class InferenceInputError(ValueError):
    """Input, checkpoint or output that inference cannot use; the message
    names the file or key and says what to do. ``emda-infer`` prints it as
    one line and exits with status 2."""
