"""The detector's evaluation: synthetic corpora, real asv histories, peers, speed."""
