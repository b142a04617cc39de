"""Text read from screenshots and page renderings (Tesseract, Korean and English), and the
links and handles found in it. Everything stays in memory and in the encrypted vault."""
