/** SHA-256 in the one form the service writes it (lowercase hex). A leaf package. */
package dev.modelapi.digest;
