/**
 * Models from an MLflow Model Registry: a {@code models:/} URI is resolved through MLflow's REST API,
 * the version's artifacts are downloaded into the local model repository and checked against their
 * recorded SHA-256, and the model manager loads them like any other version.
 */
package dev.modelapi.mlflow;
