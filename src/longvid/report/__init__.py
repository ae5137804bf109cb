"""Tables, figures and the thesis numbers they are compared with (`thesis.py`)."""
