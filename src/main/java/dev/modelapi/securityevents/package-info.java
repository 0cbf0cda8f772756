/**
 * Security events: refused requests (no, unknown or disabled key, a role or model the key lacks,
 * its rate, input refused by policy), administrative commands (who, what, on what, outcome) and
 * bursts of refusals from one source. Recorded by the gates that refuse and by the routes that run
 * commands, counted, logged on their own logger, and handed to the audit's queue
 * ({@code seda:security-events}, routes/audit.camel.yaml), which stores them as durably as
 * prediction rows. Depends on no other package here but {@code digest}.
 */
package dev.modelapi.securityevents;
