/**
 * How a request can end other than with an answer: one family of exceptions under
 * {@link dev.modelapi.errors.InferenceException}, each with the code the caller sees, so that every
 * channel's error handling can branch on the type. A leaf: it depends on no other package here.
 */
package dev.modelapi.errors;
