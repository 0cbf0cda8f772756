/**
 * The watched folder (routes/ingress-folder.camel.yaml): opening an input file, its chunks and
 * checkpoints, the result file, and the record redelivery policy.
 */
package dev.modelapi.ingest.folder;
