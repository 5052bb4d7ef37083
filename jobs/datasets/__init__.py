"""Training datasets built from stored inputs, labelled by predictions corrected by feedback.

``selection`` picks and orders the jobs, ``labels`` corrects their faces, ``coco`` and
``wider`` write the annotations, ``archive`` packs the tar.gz with its manifest, ``build``
ties them together, ``services`` runs exports started from the staff API.
"""
