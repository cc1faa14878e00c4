"""Use-cases that do I/O across the layers, shared by the CLI and the screens."""
