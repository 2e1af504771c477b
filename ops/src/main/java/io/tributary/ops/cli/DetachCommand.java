package io.tributary.ops.cli;

import io.tributary.common.app.Preflight;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.kafka.KafkaSetup;
import io.tributary.ops.detach.TargetDetach;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tributary detach --config F --service S}: after the switch, when the service owns its tables, removes
 * the sink's bookkeeping from the service's target ({@link TargetDetach}) and leaves the tables as the
 * service's migrations made them. Refused while the service's sink consumer group has active members: a sink
 * that still runs would put the bookkeeping back. See docs/sink.md.
 */
@Command(name = "detach", mixinStandardHelpOptions = true,
        description = {"After the switch: remove Tributary's bookkeeping (its _tributary_* columns except _tributary_rowid, remembered",
                "deletes, floor, parked, quarantine, history) from one service's target, leaving clean tables.",
                "Exit 0 detached, 1 the service's sink still runs (or the target failed), 2 a bad command line, pipeline file or unreachable server."})
final class DetachCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    OpsConfig.FileOption config;

    @Option(names = "--service", required = true, paramLabel = "NAME", description = "the service whose target is detached")
    String service;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        OpsConfig ops = OpsConfig.load(spec, config, service, null);
        if (ops == null || ops.targets().failed()) {
            return TributaryCommand.USAGE;
        }
        PipelineConfig.Service svc = ops.service();
        List<MemberDescription> members;
        try (Admin admin = Admin.create(KafkaSetup.base(ops.pipeline().kafka()))) {
            ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(svc.group())).all().get(30, TimeUnit.SECONDS).get(svc.group());
            members = group == null ? List.of() : List.copyOf(group.members());
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            err.println("cannot read consumer group " + svc.group() + " from Kafka (" + Preflight.rootMessage(e) + "); nothing was changed");
            return TributaryCommand.USAGE;
        }
        if (!members.isEmpty()) {
            err.println("service " + svc.name() + " is not detached: its sink still runs (consumer group " + svc.group() + " has "
                    + members.size() + " active member(s) on " + members.stream().map(MemberDescription::host).distinct().toList()
                    + "); stop every sink of the service, then run detach again. Nothing was changed.");
            return TributaryCommand.FAILED;
        }
        for (String line : TargetDetach.run(svc)) {
            err.println(line);
        }
        err.println("service " + svc.name() + " detached: its target holds no Tributary bookkeeping any more");
        return TributaryCommand.OK;
    }
}
