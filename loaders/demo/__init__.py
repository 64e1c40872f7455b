"""The demo estate: a realistic organisation written in the real source formats, with planted situations.

`generate_demo(out, seed, scale, base_time)` writes SCIM, Backstage, CODEOWNERS, workflows,
runner inventory, EC2, IAM exports, credential reports, CloudTrail (S3 layout), scanner
reports and the GCP, Okta and GitHub audit logs (loaders/demo/saas/), plus manifest.json naming
the planted situations and their expected answers (docs/demo-estate.md). Output is a pure
function of its arguments and streams at any scale.
"""

from loaders.demo.generate import DEFAULT_BASE_TIME, DemoSummary, generate_demo

__all__ = ["DEFAULT_BASE_TIME", "DemoSummary", "generate_demo"]
