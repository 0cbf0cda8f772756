/** Application-wide wiring that belongs to no single feature. */
package dev.modelapi.config;
