package dev.troupe.runtime.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.json.JsonRawSchema;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import dev.troupe.sdk.ChatMessage;
import dev.troupe.sdk.ModelClient;
import dev.troupe.sdk.ModelPricing;
import dev.troupe.sdk.ModelReply;
import dev.troupe.sdk.ModelRequest;
import dev.troupe.sdk.ToolCallRequest;
import dev.troupe.sdk.ToolSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * One configured model behind a LangChain4j streaming chat model (OpenAI-compatible or
 * Anthropic), as Troupe's {@link ModelClient}: a conversation with tools and an optional answer
 * schema goes out, text and tool calls come back with tokens, cost and why the model stopped.
 * Tool names are mapped both ways ({@link ToolNames}). A failure is a {@link ModelCallException}
 * the router can act on. The call holds no thread while the provider works.
 */
public final class ProviderModel implements ModelClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Keywords LangChain4j's schema conversion does not take at a schema's top level. */
  private static final Set<String> TOP_LEVEL_ONLY = Set.of("$schema", "$id", "title", "examples", "default");

  private final String id;
  private final StreamingChatModel chat;
  private final ModelPricing pricing;
  private final Duration timeout;

  public ProviderModel(String id, StreamingChatModel chat, ModelPricing pricing, Duration timeout) {
    this.id = id;
    this.chat = chat;
    this.pricing = pricing;
    this.timeout = timeout;
  }

  @Override
  public String name() {
    return id;
  }

  @Override
  public ModelPricing pricing() {
    return pricing;
  }

  @Override
  public CompletionStage<ModelReply> complete(ModelRequest request) {
    ChatRequest chatRequest;
    try {
      chatRequest = toChatRequest(request);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(new ModelCallException("model " + id + ": the request cannot be sent: "
          + e.getMessage(), false, false, null));
    }
    CompletableFuture<ModelReply> reply = new CompletableFuture<>();
    try {
      chat.chat(chatRequest, new StreamingChatResponseHandler() {
        @Override
        public void onCompleteResponse(ChatResponse response) {
          // LangChain4j may report an error and then complete with what it had: the first word stands.
          if (!reply.isDone()) {
            try {
              reply.complete(toReply(response));
            } catch (RuntimeException e) {
              reply.completeExceptionally(ModelCallException.classify(id, e));
            }
          }
        }

        @Override
        public void onError(Throwable error) {
          reply.completeExceptionally(ModelCallException.classify(id, error));
        }
      });
    } catch (RuntimeException e) {
      reply.completeExceptionally(ModelCallException.classify(id, e));
    }
    // A stream that ends without its final event gets no callback at all: this bounds the wait.
    return reply.orTimeout(timeout.toMillis() + 1_000, TimeUnit.MILLISECONDS)
        .exceptionallyCompose(error -> CompletableFuture.failedFuture(ModelCallException.classify(id, error)));
  }

  ChatRequest toChatRequest(ModelRequest request) {
    List<dev.langchain4j.data.message.ChatMessage> messages = new ArrayList<>();
    if (!request.system().isEmpty()) {
      messages.add(SystemMessage.from(request.system()));
    }
    for (ChatMessage message : request.messages()) {
      if (message instanceof ChatMessage.User user) {
        messages.add(UserMessage.from(user.text()));
      } else if (message instanceof ChatMessage.Assistant assistant) {
        List<ToolExecutionRequest> calls = assistant.toolCalls().stream()
            .map(call -> ToolExecutionRequest.builder().id(call.id()).name(ToolNames.toProvider(call.name()))
                .arguments(call.arguments() == null ? "{}" : call.arguments().toString()).build())
            .toList();
        String text = assistant.text() == null || assistant.text().isEmpty() ? null : assistant.text();
        messages.add(calls.isEmpty() ? AiMessage.from(text) : AiMessage.builder().text(text)
            .toolExecutionRequests(calls).build());
      } else if (message instanceof ChatMessage.ToolResult result) {
        messages.add(ToolExecutionResultMessage.from(result.callId(), ToolNames.toProvider(result.toolName()),
            result.content()));
      }
    }
    ChatRequest.Builder builder = ChatRequest.builder().messages(messages).maxOutputTokens(request.maxOutputTokens());
    if (request.temperature() != null) {
      builder.temperature(request.temperature());
    }
    if (!request.tools().isEmpty()) {
      builder.toolSpecifications(request.tools().stream().map(ProviderModel::toToolSpecification).toList());
    }
    if (request.responseSchema() != null) {
      builder.responseFormat(ResponseFormat.builder().type(ResponseFormatType.JSON)
          .jsonSchema(JsonSchema.builder().name("answer").rootElement(JsonRawSchema.from(request.responseSchema()
              .toString())).build())
          .build());
    }
    return builder.build();
  }

  static ToolSpecification toToolSpecification(ToolSpec tool) {
    ObjectNode schema = tool.inputSchema().deepCopy();
    for (Iterator<String> it = schema.fieldNames(); it.hasNext(); ) {
      if (TOP_LEVEL_ONLY.contains(it.next())) {
        it.remove();
      }
    }
    if (!schema.has("type")) {
      schema.put("type", "object");
    }
    ObjectNode spec = JsonNodeFactory.instance.objectNode();
    spec.put("name", ToolNames.toProvider(tool.name()));
    spec.put("description", tool.description());
    spec.set("parameters", schema);
    return ToolSpecification.fromJson(spec.toString());
  }

  ModelReply toReply(ChatResponse response) {
    AiMessage message = response.aiMessage();
    List<ToolCallRequest> calls = new ArrayList<>();
    if (message != null && message.hasToolExecutionRequests()) {
      for (ToolExecutionRequest call : message.toolExecutionRequests()) {
        calls.add(new ToolCallRequest(call.id() == null ? "call-" + (calls.size() + 1) : call.id(),
            ToolNames.fromProvider(call.name()), arguments(call.arguments())));
      }
    }
    TokenUsage usage = response.tokenUsage();
    long in = usage == null || usage.inputTokenCount() == null ? 0 : usage.inputTokenCount();
    long out = usage == null || usage.outputTokenCount() == null ? 0 : usage.outputTokenCount();
    return new ModelReply(message == null ? "" : message.text(), id, in, out, pricing.costOf(in, out), calls,
        finishReason(response.finishReason(), calls), 1, List.of());
  }

  /** A model's arguments are untrusted: if they are not JSON, the runtime sees the raw text, and refuses it. */
  private static JsonNode arguments(String raw) {
    if (raw == null || raw.isBlank()) {
      return JsonNodeFactory.instance.objectNode();
    }
    try {
      return JSON.readTree(raw);
    } catch (java.io.IOException e) {
      return JsonNodeFactory.instance.textNode(raw);
    }
  }

  private static String finishReason(FinishReason reason, List<ToolCallRequest> calls) {
    if (reason == null) {
      return calls.isEmpty() ? "other" : "tool_calls";
    }
    return switch (reason) {
      case STOP -> "stop";
      case LENGTH -> "length";
      case TOOL_EXECUTION -> "tool_calls";
      case CONTENT_FILTER -> "content_filter";
      default -> "other";
    };
  }
}
