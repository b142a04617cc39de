"""The signed PDF evidence bundle: layout, attachments, manifest, signing, verification."""
