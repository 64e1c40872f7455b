"""The demo estate's AWS accounts: IAM, credential reports, EC2 and CloudTrail."""
