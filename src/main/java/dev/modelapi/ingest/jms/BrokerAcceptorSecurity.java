package dev.modelapi.ingest.jms;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Set;
import javax.security.auth.Subject;
import org.apache.activemq.artemis.core.remoting.impl.invm.InVMConnection;
import org.apache.activemq.artemis.core.security.CheckType;
import org.apache.activemq.artemis.core.security.Role;
import org.apache.activemq.artemis.spi.core.protocol.RemotingConnection;
import org.apache.activemq.artemis.spi.core.security.ActiveMQSecurityManager5;
import org.apache.activemq.artemis.spi.core.security.jaas.UserPrincipal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may use the embedded broker when {@code modelapi.jms.acceptor.user} is set: the service
 * itself, over its in-VM connection, and a client of the network acceptor that logs in with that
 * user and password (CORE, AMQP SASL PLAIN, STOMP {@code login}/{@code passcode}). Anyone else is
 * refused at login. Whoever is in may use every address: the broker carries only the service's
 * requests and answers.
 */
final class BrokerAcceptorSecurity implements ActiveMQSecurityManager5 {

    private static final Logger log = LoggerFactory.getLogger(BrokerAcceptorSecurity.class);
    static final String SERVICE = "model-api-service";

    private final String user;
    private final byte[] password;

    BrokerAcceptorSecurity(String user, String password) {
        this.user = user;
        this.password = password.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public Subject authenticate(String user, String password, RemotingConnection connection, String securityDomain) {
        if (connection != null && connection.getTransportConnection() instanceof InVMConnection) {
            return subjectOf(SERVICE);
        }
        if (validateUser(user, password)) {
            return subjectOf(user);
        }
        log.warn("Refused a broker login as {} from {}", user == null ? "nobody" : "\"" + user + "\"",
                connection == null ? "an unknown address" : connection.getRemoteAddress());
        return null;
    }

    @Override
    public boolean authorize(Subject subject, Set<Role> roles, CheckType checkType, String address) {
        return subject != null;
    }

    @Override
    public boolean validateUser(String user, String password) {
        // the password compared in constant time; the user name is not a secret
        return this.user.equals(user) && password != null
                && MessageDigest.isEqual(this.password, password.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public boolean validateUserAndRole(String user, String password, Set<Role> roles, CheckType checkType) {
        return validateUser(user, password);
    }

    private static Subject subjectOf(String name) {
        Subject subject = new Subject();
        subject.getPrincipals().add(new UserPrincipal(name));
        return subject;
    }
}
