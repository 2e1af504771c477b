package io.tributary.ops.local;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module picture of docs/architecture.md, checked on the compiled main code of every module (this
 * module's test classpath holds them all). The event contract ({@code schemas}) is at the bottom and reaches
 * nothing internal; {@code common} is plumbing above it; the three stages never reach into each other; only
 * the local tools reach {@code ops} and the test servers.
 *
 * <p>Plain JUnit tests over ArchUnit's core API: Surefire 3.5.3 does not run ArchUnit's {@code @ArchTest}
 * fields (TNG/ArchUnit#1442), and a rule that never runs would pass silently.
 */
class ArchitectureTest {
    private static final String SCHEMAS = "io.tributary.schemas..";
    private static final String COMMON = "io.tributary.common..";
    private static final String CAPTURE = "io.tributary.capture..";
    private static final String TRANSFORM = "io.tributary.transform..";
    private static final String SINK = "io.tributary.sink..";
    private static final String OPS = "io.tributary.ops..";
    private static final String LOCAL_TOOLS = "io.tributary.ops.local..";
    private static final String TESTKIT = "io.tributary.testkit..";
    private static JavaClasses main;

    @BeforeAll
    static void importMainCode() {
        main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("io.tributary");
        if (main.stream().noneMatch(c -> c.getPackageName().startsWith("io.tributary.schemas"))
                || main.stream().noneMatch(c -> c.getPackageName().startsWith("io.tributary.sink"))) {
            throw new IllegalStateException("the main code of every module must be on this test's classpath; found " + main.size() + " classes");
        }
    }

    @Test
    void schemasReachNothingInternal() {
        noClasses().that().resideInAPackage(SCHEMAS)
                .should().dependOnClassesThat().resideInAnyPackage(COMMON, CAPTURE, TRANSFORM, SINK, OPS, TESTKIT)
                .because("service teams depend on tributary-schemas alone to read our topics").check(main);
    }

    @Test
    void commonIsPlumbingBelowTheStages() {
        noClasses().that().resideInAPackage(COMMON)
                .should().dependOnClassesThat().resideInAnyPackage(CAPTURE, TRANSFORM, SINK, OPS, TESTKIT).check(main);
    }

    @Test
    void capturesReachNoOtherStageNorEachOther() {
        noClasses().that().resideInAPackage(CAPTURE)
                .should().dependOnClassesThat().resideInAnyPackage(TRANSFORM, SINK, OPS, TESTKIT).check(main);
        noClasses().that().resideInAPackage("io.tributary.capture.postgres..")
                .should().dependOnClassesThat().resideInAPackage("io.tributary.capture.sqlite..").check(main);
        noClasses().that().resideInAPackage("io.tributary.capture.sqlite..")
                .should().dependOnClassesThat().resideInAPackage("io.tributary.capture.postgres..").check(main);
    }

    @Test
    void transformReachesNoOtherStage() {
        noClasses().that().resideInAPackage(TRANSFORM)
                .should().dependOnClassesThat().resideInAnyPackage(CAPTURE, SINK, OPS, TESTKIT).check(main);
    }

    @Test
    void sinkReachesNoOtherStage() {
        noClasses().that().resideInAPackage(SINK)
                .should().dependOnClassesThat().resideInAnyPackage(CAPTURE, TRANSFORM, OPS, TESTKIT).check(main);
    }

    @Test
    void nothingReachesOps() {
        noClasses().that().resideOutsideOfPackages(OPS)
                .should().dependOnClassesThat().resideInAPackage(OPS)
                .because("ops is the top: the deployables' entry point and the operator commands").check(main);
    }

    @Test
    void deployablesCarryNoTestServers() {
        noClasses().that().resideOutsideOfPackages(LOCAL_TOOLS, TESTKIT)
                .should().dependOnClassesThat().resideInAPackage(TESTKIT)
                .because("the deployables' runtime classpath and image must not carry test servers").check(main);
    }
}
