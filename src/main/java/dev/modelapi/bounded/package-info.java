/**
 * The one builder of the service's bounded in-memory maps (Caffeine), with their upkeep on the
 * calling thread. A leaf package: every other package may use it.
 */
package dev.modelapi.bounded;
