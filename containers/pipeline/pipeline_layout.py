"""Names and paths that the pipeline definition, the images and the local runner share.

The definition builder writes these into definition.json, the Dockerfiles copy the step code to
CODE_DIR, and the local runner maps them back to the repository. This module uses the standard
library only, because the local runner must not need the SageMaker SDK.
"""

# Step names, as SageMaker lists them in ListPipelineExecutionSteps.
PREPROCESS = "Preprocess"
TRAIN = "Train"
EVALUATE = "Evaluate"
CHECK_PERPLEXITY = "CheckPerplexity"
REGISTER = "Register"

# Folder of the step scripts inside both images (the SageMaker training toolkit's default for
# SAGEMAKER_SUBMIT_DIRECTORY), and of the shared package, which the images put on PYTHONPATH.
CODE_DIR = "/opt/ml/code"
COMMON_DIR = "/opt/ml/common"

# Repository folders, relative to the repository root, whose files each image copies to CODE_DIR.
PROCESSING_CODE_SOURCE = "containers/processing"
TRAINING_CODE_SOURCE = "containers/training"
COMMON_CODE_SOURCE = "containers/common"

# Script that the training toolkit runs from CODE_DIR; the definition passes it as SAGEMAKER_PROGRAM.
TRAINING_PROGRAM = "train.py"

# Base of every path that SageMaker mounts into a job's container (/opt/ml/processing/..., /opt/ml/model, ...).
CONTAINER_ROOT = "/opt/ml"

# Processing folders of the steps, as the step scripts' options receive them.
PROCESSING_ROOT = "/opt/ml/processing"

# Property file of the Evaluate step and the JSON path of the metric that CheckPerplexity compares.
EVALUATION_OUTPUT = "evaluation"
EVALUATION_FILE = "evaluation.json"
EVALUATION_PROPERTY_FILE = "EvaluationReport"
PERPLEXITY_JSON_PATH = "metrics.eval_perplexity.value"
