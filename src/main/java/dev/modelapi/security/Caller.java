package dev.modelapi.security;

import java.util.List;
import java.util.Set;

/**
 * Who is asking: the holder of a key, its roles and the models it may use.
 *
 * @param name the key's name, recorded as the audit's principal
 * @param roles what it may do
 * @param models the model names it may ask for; {@code *} for all
 * @param requestsPerSecond its rate limit (0: none)
 */
record Caller(String name, Set<Role> roles, List<String> models, double requestsPerSecond) {

    /** Everyone, when access control is off. */
    public static final Caller ANONYMOUS = new Caller("anonymous", Set.of(Role.values()), List.of("*"), 0);

    public Caller {
        roles = Set.copyOf(roles);
        models = List.copyOf(models);
    }

    public boolean has(Role role) {
        return roles.contains(role);
    }

    public boolean mayUse(String model) {
        return models.contains("*") || models.contains(model);
    }
}
