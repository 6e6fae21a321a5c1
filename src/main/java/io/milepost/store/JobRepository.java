package io.milepost.store;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** The {@code jobs} table (replays, impact previews, KPI rebuilds): every read and write of it goes through here. */
@ApplicationScoped
public class JobRepository implements PanacheRepositoryBase<JobEntity, String> {

    /** The newest {@code limit} jobs, newest first. */
    public List<JobEntity> newest(int limit) {
        return findAll(Sort.descending("createdAt").and("id"))
                .range(0, limit - 1)
                .list();
    }

    /** A job locked for this transaction, if there is one. */
    public Optional<JobEntity> locked(String id) {
        return findByIdOptional(id, LockModeType.PESSIMISTIC_WRITE);
    }

    /** The id of the job of this type that is queued or running (at most one: a unique column), if any. */
    public Optional<String> activeId(String type) {
        return getEntityManager()
                .createQuery("select j.id from JobEntity j where j.active = :type", String.class)
                .setParameter("type", type)
                .getResultStream()
                .findFirst();
    }

    /**
     * A job of one of {@code types} that is queued, or running with its lease ended by {@code now},
     * locked for this transaction ({@code FOR UPDATE SKIP LOCKED}: instances never take the same one).
     */
    @SuppressWarnings("unchecked")
    public Optional<JobEntity> claimable(Collection<String> types, Collection<String> statuses, Instant now) {
        List<String> ids = getEntityManager()
                .createNativeQuery(
                        "SELECT id FROM jobs WHERE type IN (?2) AND status IN (?3) "
                                + "AND (lease_until IS NULL OR lease_until < ?1) FETCH FIRST 1 ROWS ONLY FOR UPDATE SKIP LOCKED")
                .setParameter(1, now)
                .setParameter(2, types)
                .setParameter(3, statuses)
                .getResultList();
        return ids.stream().findFirst().map(this::findById);
    }
}
