"""Perceptual hashes (PDQ) of pictures and video frames, and the copies they find."""
