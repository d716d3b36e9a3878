package io.tollgate.internal.submit;

import io.tollgate.testing.RedisExtension;

/** The protocol with {@link LocalSubmissionGuard} standing in for the shared guard on Redis. */
class SubmissionFlowLocalTest extends SubmissionFlowContract {

    private final String prefix = RedisExtension.uniquePrefix();

    @Override
    SubmissionGuard sharedGuard() {
        return new LocalSubmissionGuard();
    }

    @Override
    String prefix() {
        return prefix;
    }
}
