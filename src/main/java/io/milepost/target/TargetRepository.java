package io.milepost.target;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.util.List;
import java.util.Optional;

/** The {@code targets} table: every read and write of it goes through here. */
@ApplicationScoped
public class TargetRepository implements PanacheRepositoryBase<TargetEntity, String> {

    /** Every target, oldest first. */
    public List<TargetEntity> all() {
        return listAll(Sort.by("createdAt").and("id"));
    }

    /** A target locked for this transaction, if there is one. */
    public Optional<TargetEntity> locked(String id) {
        return findByIdOptional(id, LockModeType.PESSIMISTIC_WRITE);
    }

    /**
     * The targets no other instance is judging now, locked for this transaction ({@code FOR UPDATE
     * SKIP LOCKED}), so instances split the scheduled evaluation and never announce a change twice.
     */
    @SuppressWarnings("unchecked")
    public List<TargetEntity> lockFree() {
        List<String> ids = getEntityManager()
                .createNativeQuery("SELECT id FROM targets ORDER BY id FOR UPDATE SKIP LOCKED")
                .getResultList();
        return ids.stream().map(this::findById).toList();
    }
}
