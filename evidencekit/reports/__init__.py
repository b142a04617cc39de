"""The lists Korean support bodies ask for, made from the vault: deletion support requests,
KCSC report URLs, the police attachment pack (ECRM) and a hash list for platforms."""
