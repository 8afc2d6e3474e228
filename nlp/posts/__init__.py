"""Posts on disk: front matter and body read and written byte-faithfully, the HTML body
cut into tokens and blocks, and the files of an archive."""
