package dev.modelapi.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import dev.modelapi.ensemble.EnsembleResult;
import dev.modelapi.pipeline.PredictionTask;
import dev.modelapi.pipeline.PredictionTask.BatchOutcome;
import java.util.concurrent.CompletableFuture;

/**
 * The package graph stays a graph without cycles (a new one fails here, naming the classes that
 * close it), and the leaves stay leaves: the exceptions a request can end in ({@code errors}),
 * personal-data detection ({@code pii}), SHA-256 ({@code digest}) and the builder of bounded maps
 * ({@code bounded}, the only place a Caffeine map is built) depend on no other package of the
 * service, so every other package may use them. Within {@code ingest}, the channels with a
 * package of their own depend on what ingest shares and not on each other. A text's pending answer
 * has one owner, the batcher: no other package makes, shares or completes one.
 */
@AnalyzeClasses(packages = "dev.modelapi", importOptions = ImportOption.DoNotIncludeTests.class)
class PackageGraphTest {

    @ArchTest
    static final ArchRule noCycles = slices().matching("dev.modelapi.(*)..").should().beFreeOfCycles();

    /** Each channel (jms, kafka, folder, grpc) uses what ingest shares, never another channel. */
    @ArchTest
    static final ArchRule channelsStandAlone = slices().matching("dev.modelapi.ingest.(*)..").should()
            .notDependOnEachOther();

    @ArchTest
    static final ArchRule sharedIngestKnowsNoChannel = noClasses().that().resideInAPackage("dev.modelapi.ingest")
            .should().dependOnClassesThat().resideInAnyPackage("dev.modelapi.ingest.jms..", "dev.modelapi.ingest.kafka..",
                    "dev.modelapi.ingest.folder..", "dev.modelapi.ingest.grpc..");

    @ArchTest
    static final ArchRule errorsIsALeaf = noClasses().that().resideInAPackage("dev.modelapi.errors..")
            .should().dependOnClassesThat().resideOutsideOfPackages("dev.modelapi.errors..", "java..");

    @ArchTest
    static final ArchRule piiIsALeaf = noClasses().that().resideInAPackage("dev.modelapi.pii..")
            .should().dependOnClassesThat().resideOutsideOfPackages("dev.modelapi.pii..", "java..");

    @ArchTest
    static final ArchRule digestIsALeaf = noClasses().that().resideInAPackage("dev.modelapi.digest..")
            .should().dependOnClassesThat().resideOutsideOfPackages("dev.modelapi.digest..", "java..");

    /** Security events are recorded by gates of every kind, so their package needs none of them. */
    @ArchTest
    static final ArchRule securityEventsKnowNoFeature = noClasses().that().resideInAPackage("dev.modelapi.securityevents..")
            .should().dependOnClassesThat(com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage("dev.modelapi..")
                    .and(com.tngtech.archunit.base.DescribedPredicate.not(com.tngtech.archunit.core.domain.JavaClass.Predicates
                            .resideInAnyPackage("dev.modelapi.securityevents..", "dev.modelapi.digest..",
                                    "dev.modelapi.bounded.."))));

    @ArchTest
    static final ArchRule boundedIsALeaf = noClasses().that().resideInAPackage("dev.modelapi.bounded..")
            .should().dependOnClassesThat().resideOutsideOfPackages("dev.modelapi.bounded..", "java..",
                    "com.github.benmanes.caffeine..");

    /** A map built elsewhere would hand its upkeep to the common fork-join pool, a thread woken per write. */
    @ArchTest
    static final ArchRule boundedMapsHaveOneBuilder = noClasses().that().resideOutsideOfPackage("dev.modelapi.bounded..")
            .should().callMethod(Caffeine.class, "newBuilder")
            .because("BoundedMaps.upkeptByCaller() keeps a map's upkeep on the thread that uses it");

    /** Only {@code batching} makes or shares a text's pending answer, and only it makes the outcome that completes one. */
    @ArchTest
    static final ArchRule pendingAnswersHaveOneOwner = noClasses().that().resideOutsideOfPackage("dev.modelapi.batching..")
            .should().callMethod(PredictionTask.class, "pending", CompletableFuture.class)
            .orShould().callMethod(PredictionTask.class, "shareInference", CompletableFuture.class)
            .orShould().callConstructor(BatchOutcome.class, EnsembleResult.class, int.class)
            .because("the pending answer's lifecycle is the batcher's (PendingAnswers)");
}
