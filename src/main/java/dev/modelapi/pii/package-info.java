/**
 * Personal data in text (e-mail addresses, card and phone numbers, IBANs, SSNs, IP addresses):
 * found and redacted for the audit and the logs. A leaf: it depends on no other package here.
 */
package dev.modelapi.pii;
