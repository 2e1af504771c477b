package io.tributary.common.lease;

import java.util.List;
import java.util.stream.Collectors;

/** Several leases taken together, all or none (each is tried in order; on a refusal the ones taken are given back). */
final class AllOf implements Lease {
    private final List<Lease> leases;

    AllOf(List<Lease> leases) {
        this.leases = List.copyOf(leases);
    }

    @Override
    public boolean tryAcquire() throws Exception {
        for (int i = 0; i < leases.size(); i++) {
            if (!leases.get(i).tryAcquire()) {
                for (int j = 0; j < i; j++) {
                    leases.get(j).close();
                }
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean held() {
        return leases.stream().allMatch(Lease::held);
    }

    @Override
    public String describe() {
        return leases.stream().map(Lease::describe).collect(Collectors.joining(", "));
    }

    @Override
    public void close() {
        leases.forEach(Lease::close);
    }
}
