//! Builds, runs, inspects and grades the calc-kit Dockerfile variants.
