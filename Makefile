# Knee Coach tasks. The lead owns this file; `package` and `skill-package` build the AWS
# artifacts (see docs/deploy.md).
PYTHON ?= .venv/bin/python

.PHONY: package skill-package

# The Lambda zip for arm64 / python3.12 (build/knee-coach-lambda.zip, the CodeUri of template.yaml).
package:
	$(PYTHON) scripts/build_lambda.py

# The Alexa skill package in build/skill-package/. Pass ENDPOINT_ARN=<FunctionArn output> once
# the stack exists; without it the manifest has no endpoint (the first `ask deploy`).
skill-package:
	$(PYTHON) scripts/build_skill_package.py $(if $(ENDPOINT_ARN),--endpoint-arn $(ENDPOINT_ARN))
