"""The demo estate's GitHub organisation: workflows, CODEOWNERS and the runner inventory."""
