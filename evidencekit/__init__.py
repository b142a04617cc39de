"""EvidenceKit: preserve evidence of online sexual abuse in an encrypted vault and export
signed PDF evidence bundles that police and courts can check.

Importing this package (or any core sub-package) never loads Qt; see ``evidencekit.gui``.
"""

__version__ = "0.1.0"
FORMAT_PROGRAM = "EvidenceKit"
