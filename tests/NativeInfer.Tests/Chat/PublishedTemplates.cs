namespace NativeInfer.Tests.Chat;

/// <summary>
/// Real <c>chat_template</c> values, typed here independently of the runtime's copies and in the
/// spelling their source uses (after JSON/C decoding): some sources have real line breaks inside the
/// Jinja quotes, others <c>\n</c> escapes; some are laid out over several lines.
/// </summary>
internal static class PublishedTemplates
{
    /// <summary>DeepSeek-V2(-Lite)-Chat; as in llama.cpp's test-chat-template.cpp ("DeepSeek-V2") and Ollama's deepseek-coder-v2 GGUF: real line breaks in the quotes.</summary>
    public const string DeepSeekV2Chat =
        "{% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}{% endif %}{{ bos_token }}{% for message in messages %}"
        + "{% if message['role'] == 'user' %}{{ 'User: ' + message['content'] + '\n\n' }}{% elif message['role'] == 'assistant' %}"
        + "{{ 'Assistant: ' + message['content'] + eos_token }}{% elif message['role'] == 'system' %}{{ message['content'] + '\n\n' }}"
        + "{% endif %}{% endfor %}{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}";

    /// <summary>The same template re-exported with <c>\n</c> escapes and without the add_generation_prompt preamble.</summary>
    public const string DeepSeekV2ChatEscapedNoPreamble =
        """{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}{{ 'User: ' + message['content'] + '\n\n' }}{% elif message['role'] == 'assistant' %}{{ 'Assistant: ' + message['content'] + eos_token }}{% elif message['role'] == 'system' %}{{ message['content'] + '\n\n' }}{% endif %}{% endfor %}{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}""";

    /// <summary>Qwen/Qwen2-7B-Instruct (and the other Qwen2 instruct models): JSON "\n" decoded to line breaks.</summary>
    public const string Qwen2Instruct =
        "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}"
        + "{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}"
        + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

    /// <summary>Qwen1.5-MoE-A2.7B-Chat, as copied in onnx-internal-testing/tiny-random-Qwen2MoeForCausalLM's tokenizer_config.json.</summary>
    public const string Qwen15MoeChat =
        "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou are a helpful assistant<|im_end|>\n' }}"
        + "{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}"
        + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

    /// <summary>teknium/OpenHermes-2.5-Mistral-7B, as in llama.cpp's test: <c>\n</c> escapes.</summary>
    public const string OpenHermes25 =
        """{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}""";

    /// <summary>dolphin-mixtral (Ollama library GGUF): ChatML with the add_generation_prompt preamble, real line breaks.</summary>
    public const string DolphinMixtral =
        "{% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}{% endif %}{% for message in messages %}"
        + "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}"
        + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

    /// <summary>meta-llama/Meta-Llama-3-8B-Instruct (current), as in OpenVINO's tokenizer test configs.</summary>
    public const string Llama3Instruct =
        "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'"
        + "+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}"
        + "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}";

    /// <summary>Meta-Llama-3-Instruct as first published, as in llama.cpp's test ("Llama-3") and Ollama's dolphin-llama3 GGUF.</summary>
    public const string Llama3Original =
        "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'"
        + "+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}"
        + "{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}";

    /// <summary>mistralai's "v1" template with a system prompt, as in llama.cpp's test (Mistral-7B-Instruct-v0.2): laid out on lines, <c>\n</c> escapes in the strings.</summary>
    public const string MistralV1 =
        "{%- if messages[0]['role'] == 'system' %}\n    {%- set system_message = messages[0]['content'] %}\n    {%- set loop_messages = messages[1:] %}\n"
        + "{%- else %}\n    {%- set loop_messages = messages %}\n{%- endif %}\n\n{{- bos_token }}\n{%- for message in loop_messages %}\n"
        + "    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}\n"
        + "        {{- raise_exception('After the optional system message, conversation roles must alternate user/assistant/user/assistant/...') }}\n"
        + "    {%- endif %}\n    {%- if message['role'] == 'user' %}\n        {%- if loop.first and system_message is defined %}\n"
        + "            {{- ' [INST] ' + system_message + '\\n\\n' + message['content'] + ' [/INST]' }}\n        {%- else %}\n"
        + "            {{- ' [INST] ' + message['content'] + ' [/INST]' }}\n        {%- endif %}\n    {%- elif message['role'] == 'assistant' %}\n"
        + "        {{- ' ' + message['content'] + eos_token}}\n    {%- else %}\n"
        + "        {{- raise_exception('Only user and assistant roles are supported, with the exception of an initial optional system message!') }}\n"
        + "    {%- endif %}\n{%- endfor %}\n";

    /// <summary>mistralai/Mixtral-8x7B-Instruct-v0.1 as first published (also Mistral-7B-Instruct-v0.2's first release).</summary>
    public const string Mixtral8x7BInstructOriginal =
        "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}"
        + "{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}"
        + "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}";

    /// <summary>mistralai/Mistral-7B-Instruct-v0.1 as first published (copied in TheBloke's conversions): a space after EOS.</summary>
    public const string Mistral7BInstructV01Original =
        "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}"
        + "{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token + ' ' }}"
        + "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}";

    // ---- templates of families this runtime does not support (must not be detected)

    /// <summary>mistralai/Mistral-Large-Instruct-2411 ("v7"), from llama.cpp's test.</summary>
    public const string MistralV7 =
        "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + '[/INST]' }}{% elif message['role'] == 'system' %}"
        + "{{ '[SYSTEM_PROMPT] ' + message['content'] + '[/SYSTEM_PROMPT]' }}{% elif message['role'] == 'assistant' %}{{ ' ' + message['content'] + eos_token }}"
        + "{% else %}{{ raise_exception('Only user, system and assistant roles are supported!') }}{% endif %}{% endfor %}";

    /// <summary>google/gemma-7b-it, from llama.cpp's test.</summary>
    public const string Gemma7BIt =
        """{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}{{ '<start_of_turn>' + role + '\n' + message['content'] | trim + '<end_of_turn>\n' }}{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\n'}}{% endif %}""";

    /// <summary>Phi-3-small, from llama.cpp's test.</summary>
    public const string Phi3Small =
        "{{ bos_token }}{% for message in messages %}{{'<|' + message['role'] + '|>' + '\n' + message['content'] + '<|end|>\n' }}{% endfor %}"
        + "{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% else %}{{ eos_token }}{% endif %}";
}
