package io.milepost.webhook;

import jakarta.persistence.EntityManager;
import org.hibernate.Session;
import org.hibernate.jdbc.ReturningWork;

/** Runs queue statements on the current transaction's connection and hands back what they answer. */
final class Jdbc {
    private Jdbc() {}

    static <T> T call(EntityManager em, ReturningWork<T> work) {
        return em.unwrap(Session.class).doReturningWork(work);
    }
}
