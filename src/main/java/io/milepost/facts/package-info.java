/**
 * The facts a Milepost rule can match, and the helpers its consequences call.
 *
 * <p>Every rule file sees this package (and {@code java.util}, {@code java.time}) without an
 * import line. Facts are plain read-only objects built fresh for each evaluation; rules never
 * change them, they only {@link io.milepost.facts.Helpers#reach reach} milestones and
 * {@link io.milepost.facts.Helpers#trigger trigger} actions, which Milepost then records.
 *
 * <p>Days are UTC calendar days. "Now" is the time of the evaluation: the event's own time
 * when an event is processed (so an imported history evaluates as it did live), the sweep
 * time when the scheduler looks at a user.
 */
package io.milepost.facts;
