"""demarche's outbound pieces: the codes' keyed hash (``hashing``) and the PDF maker of the
activation letters (``letters``)."""
