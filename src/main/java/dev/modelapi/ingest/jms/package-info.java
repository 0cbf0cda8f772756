/**
 * The JMS channel (routes/ingress-jms.camel.yaml): the connection factory and embedded broker, the
 * transacted listener's steps, and the broker's acceptor login.
 */
package dev.modelapi.ingest.jms;
