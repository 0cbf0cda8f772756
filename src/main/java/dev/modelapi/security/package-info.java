/**
 * Access control: API keys (stored as SHA-256 hashes, in configuration or the database) with roles
 * and an allow-list of models, checked for every HTTP request by {@link dev.modelapi.security.ApiKeyFilter},
 * and a rate limit per key.
 */
package dev.modelapi.security;
