"""Image decoding, validation, metadata and face detection. Pure Python: no Django here."""
