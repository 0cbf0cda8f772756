package dev.modelapi.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.modelapi.errors.InvalidRequestException;
import jakarta.validation.Validation;
import jakarta.validation.ValidatorFactory;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.boot.info.BuildProperties;
import org.springframework.util.unit.DataSize;

/**
 * An inference request wrong in each way the records and the protocol's own checks can see is
 * refused before any model is looked up, with the code and message that name what to fix.
 */
class InferenceMessagesTest {

    static final ValidatorFactory validation = Validation.buildDefaultValidatorFactory();
    static final ObjectMapper json = JsonMapper.builder().build();
    static final String TENSOR = "{\"name\": \"text\", \"datatype\": \"BYTES\", \"shape\": [1], \"data\": [\"a\"]}";

    /** Only the request's own checks: no registry, no ensembles (a request that gets past them fails otherwise). */
    final InferenceProtocol protocol = new InferenceProtocol(null, json, validation.getValidator(), null, null, null,
            new ApiProperties(DataSize.ofMegabytes(1), 4, 16), new DefaultCamelContext(), "model-api-service",
            new StaticListableBeanFactory().getBeanProvider(BuildProperties.class));

    @AfterAll
    static void close() {
        validation.close();
    }

    static String input(String fields) {
        return "{\"inputs\": [{\"name\": \"text\", \"datatype\": \"BYTES\", " + fields + "}]}";
    }

    static String output(String parameters) {
        return "{\"inputs\": [" + TENSOR + "], \"outputs\": [{\"name\": \"probabilities\", \"parameters\": " + parameters + "}]}";
    }

    static List<Arguments> wrongRequests() {
        return List.of(
                Arguments.of("{\"id\": 42, \"inputs\": [" + TENSOR + "]}", "invalid_id", "\"id\" must be a string"),
                Arguments.of("{\"id\": true, \"inputs\": [" + TENSOR + "]}", "invalid_id", "\"id\" must be a string"),
                Arguments.of("{\"parameters\": 1, \"inputs\": [" + TENSOR + "]}", "invalid_parameters",
                        "the \"parameters\" of the request must be an object"),
                Arguments.of("{\"parameters\": {\"binary_data_output\": \"true\"}, \"inputs\": [" + TENSOR + "]}",
                        "invalid_parameters", "\"binary_data_output\" of the request must be true or false"),
                Arguments.of("{\"id\": \"42\"}", "missing_inputs", "the request has no \"inputs\""),
                Arguments.of("{\"inputs\": null}", "missing_inputs", "the request has no \"inputs\""),
                Arguments.of("{\"inputs\": {}}", "invalid_inputs", "\"inputs\" must hold one input tensor, \"text\""),
                Arguments.of("{\"inputs\": []}", "invalid_inputs", "\"inputs\" must hold one input tensor, \"text\""),
                Arguments.of("{\"inputs\": [null]}", "invalid_inputs", "\"inputs\" must hold one input tensor, \"text\""),
                Arguments.of("{\"inputs\": [7]}", "invalid_inputs", "\"inputs\" must hold one input tensor, \"text\""),
                Arguments.of("{\"inputs\": [" + TENSOR + ", " + TENSOR + "]}", "invalid_inputs",
                        "\"inputs\" must hold one input tensor, \"text\""),
                Arguments.of(TENSOR.replace("\"text\"", "\"input0\"").transform(t -> "{\"inputs\": [" + t + "]}"),
                        "invalid_inputs", "the input is named \"text\", not \"input0\""),
                Arguments.of(TENSOR.replace("\"text\"", "5").transform(t -> "{\"inputs\": [" + t + "]}"),
                        "invalid_inputs", "the input is named \"text\", not 5"),
                Arguments.of(TENSOR.replace("\"BYTES\"", "\"FP32\"").transform(t -> "{\"inputs\": [" + t + "]}"),
                        "invalid_datatype", "input \"text\" must have datatype BYTES, not \"FP32\""),
                Arguments.of("{\"inputs\": [{\"name\": \"text\", \"shape\": [1], \"data\": [\"a\"]}]}",
                        "invalid_datatype", "input \"text\" must have datatype BYTES, not none"),
                Arguments.of(input("\"data\": [\"a\"]"), "invalid_shape",
                        "input \"text\" must have shape [N] or [N, 1], not none"),
                Arguments.of(input("\"shape\": [-1], \"data\": [\"a\"]"), "invalid_shape",
                        "input \"text\" must have shape [N] or [N, 1], not [-1]"),
                Arguments.of(input("\"shape\": [1.5], \"data\": [\"a\"]"), "invalid_shape",
                        "input \"text\" must have shape [N] or [N, 1], not [1.5]"),
                Arguments.of(input("\"shape\": [\"1\"], \"data\": [\"a\"]"), "invalid_shape",
                        "input \"text\" must have shape [N] or [N, 1], not [\"1\"]"),
                Arguments.of(input("\"shape\": [1, 1, 1], \"data\": [\"a\"]"), "invalid_shape",
                        "input \"text\" must have shape [N] or [N, 1], not [1,1,1]"),
                Arguments.of(input("\"shape\": [2, 2], \"data\": [\"a\", \"b\", \"c\", \"d\"]"), "invalid_shape",
                        "input \"text\" must have shape [N] or [N, 1], not [2, 2]"),
                Arguments.of(input("\"shape\": [0], \"data\": []"), "invalid_shape", "input \"text\" holds no texts"),
                Arguments.of(input("\"shape\": [5], \"data\": [\"a\", \"b\", \"c\", \"d\", \"e\"]"), "too_many_texts",
                        "5 texts; at most 4 per request"),
                Arguments.of(input("\"shape\": [3], \"data\": [\"a\", \"b\"]"), "invalid_shape",
                        "input \"text\" has shape [3] but 2 data elements"),
                Arguments.of(input("\"shape\": [2, 1], \"data\": [[\"a\", \"b\"]]"), "invalid_shape",
                        "the nesting of input \"text\"'s data does not match its shape [2, 1]"),
                Arguments.of(input("\"shape\": [1], \"data\": [7]"), "invalid_data", "element 0 of input \"text\" is not a string"),
                Arguments.of(input("\"shape\": [1]"), "invalid_data", "input \"text\" has no \"data\" list"),
                Arguments.of(input("\"shape\": [1], \"data\": [\"a\"], \"parameters\": []"), "invalid_parameters",
                        "the \"parameters\" of input \"text\" must be an object"),
                Arguments.of(input("\"shape\": [1], \"parameters\": {\"binary_data_size\": \"ten\"}"), "invalid_parameters",
                        "\"binary_data_size\" of input \"text\" must be a whole number of bytes"),
                Arguments.of(input("\"shape\": [1], \"parameters\": {\"binary_data_size\": -1}"), "invalid_parameters",
                        "\"binary_data_size\" of input \"text\" must be a whole number of bytes"),
                Arguments.of(input("\"shape\": [1], \"data\": [\"a\"], \"parameters\": {\"binary_data_size\": 5}"), "invalid_data",
                        "input \"text\" has both \"data\" and \"binary_data_size\"; send one"),
                Arguments.of(input("\"shape\": [1], \"parameters\": {\"binary_data_size\": 5}"), "invalid_data",
                        "input \"text\" has binary_data_size 5 but the body carries 0 bytes after its JSON"
                                + " (no Inference-Header-Content-Length header)"),
                Arguments.of("{\"inputs\": [" + TENSOR + "], \"outputs\": [{\"name\": \"output0\"}]}", "invalid_outputs",
                        "the output is named \"probabilities\", not \"output0\""),
                Arguments.of("{\"inputs\": [" + TENSOR + "], \"outputs\": {}}", "invalid_outputs",
                        "\"outputs\" must hold one output tensor, \"probabilities\""),
                Arguments.of(output("{\"classification\": 0}"), "invalid_outputs",
                        "\"classification\" must be a whole number of classes, 1 or more"),
                Arguments.of(output("{\"classification\": 2.5}"), "invalid_outputs",
                        "\"classification\" must be a whole number of classes, 1 or more"),
                Arguments.of(output("{\"binary_data\": 1}"), "invalid_parameters",
                        "\"binary_data\" of output \"probabilities\" must be true or false"),
                Arguments.of(output("7"), "invalid_parameters", "the \"parameters\" of output \"probabilities\" must be an object"));
    }

    @ParameterizedTest
    @MethodSource("wrongRequests")
    void shouldRefuseWithTheCodeAndMessageOfWhatIsWrong(String body, String code, String message) throws Exception {
        InvalidRequestException refused = catchThrowableOfType(InvalidRequestException.class,
                () -> protocol.readMessage(new DefaultExchange(new DefaultCamelContext()), json.readTree(body),
                        (ByteBuffer) null, "spam-distilbert", null, "anonymous", "http"));

        assertThat(refused).as(body).isNotNull();
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.code()).as(body).isEqualTo(code);
        assertThat(refused.getMessage()).as(body).isEqualTo(message);
    }
}
