/** The {@code sanitize} pipeline step: one canonical, bounded form of every text. */
package dev.modelapi.sanitize;
