"""Brazilian vocabulary for the sample data: states, cities, names, products, free text.

Kept apart from the generators so the realism (accents, weights) is reviewed in one place and the
generators stay about numbers. State weights follow the rough shape of the Brazilian pharma market
(São Paulo alone is about a third of it; the North is small), so every state appears but SP, RJ and
MG dominate.
"""

from __future__ import annotations

REGIONS = {
    "Norte": ("AC", "AP", "AM", "PA", "RO", "RR", "TO"),
    "Nordeste": ("AL", "BA", "CE", "MA", "PB", "PE", "PI", "RN", "SE"),
    "Centro-Oeste": ("DF", "GO", "MT", "MS"),
    "Sudeste": ("ES", "MG", "RJ", "SP"),
    "Sul": ("PR", "RS", "SC"),
}
STATE_REGION = {state: region for region, states in REGIONS.items() for state in states}

STATE_WEIGHTS = {
    "SP": 30.0, "RJ": 10.0, "MG": 10.0, "RS": 6.0, "PR": 6.0, "SC": 4.0, "BA": 5.0, "PE": 3.5,
    "CE": 3.0, "DF": 3.0, "GO": 3.0, "ES": 2.0, "PA": 2.0, "AM": 1.5, "MA": 1.5, "PB": 1.2,
    "RN": 1.2, "AL": 1.0, "PI": 1.0, "MT": 1.2, "MS": 1.1, "SE": 0.8, "RO": 0.6, "TO": 0.5,
    "AC": 0.3, "AP": 0.3, "RR": 0.3,
}  # fmt: skip

STATE_NAMES = {
    "AC": "Acre", "AL": "Alagoas", "AP": "Amapá", "AM": "Amazonas", "BA": "Bahia",
    "CE": "Ceará", "DF": "Distrito Federal", "ES": "Espírito Santo", "GO": "Goiás",
    "MA": "Maranhão", "MT": "Mato Grosso", "MS": "Mato Grosso do Sul", "MG": "Minas Gerais",
    "PA": "Pará", "PB": "Paraíba", "PR": "Paraná", "PE": "Pernambuco", "PI": "Piauí",
    "RJ": "Rio de Janeiro", "RN": "Rio Grande do Norte", "RS": "Rio Grande do Sul",
    "RO": "Rondônia", "RR": "Roraima", "SC": "Santa Catarina", "SP": "São Paulo",
    "SE": "Sergipe", "TO": "Tocantins",
}  # fmt: skip

# The capital first: it gets the largest share of a state's accounts.
CITIES = {
    "AC": ("Rio Branco", "Cruzeiro do Sul"),
    "AL": ("Maceió", "Arapiraca"),
    "AP": ("Macapá", "Santana"),
    "AM": ("Manaus", "Parintins"),
    "BA": ("Salvador", "Feira de Santana", "Vitória da Conquista", "Ilhéus"),
    "CE": ("Fortaleza", "Juazeiro do Norte", "Sobral"),
    "DF": ("Brasília", "Taguatinga"),
    "ES": ("Vitória", "Vila Velha", "Serra"),
    "GO": ("Goiânia", "Anápolis", "Aparecida de Goiânia"),
    "MA": ("São Luís", "Imperatriz"),
    "MT": ("Cuiabá", "Várzea Grande", "Rondonópolis"),
    "MS": ("Campo Grande", "Dourados"),
    "MG": ("Belo Horizonte", "Uberlândia", "Juiz de Fora", "Contagem", "Montes Claros"),
    "PA": ("Belém", "Ananindeua", "Santarém", "Marabá"),
    "PB": ("João Pessoa", "Campina Grande"),
    "PR": ("Curitiba", "Londrina", "Maringá", "Cascavel", "Foz do Iguaçu"),
    "PE": ("Recife", "Jaboatão dos Guararapes", "Caruaru", "Petrolina"),
    "PI": ("Teresina", "Parnaíba"),
    "RJ": ("Rio de Janeiro", "Niterói", "Petrópolis", "Nova Iguaçu", "Duque de Caxias"),
    "RN": ("Natal", "Mossoró"),
    "RS": ("Porto Alegre", "Caxias do Sul", "Pelotas", "Santa Maria", "Passo Fundo"),
    "RO": ("Porto Velho", "Ji-Paraná"),
    "RR": ("Boa Vista",),
    "SC": ("Florianópolis", "Joinville", "Blumenau", "Chapecó", "Criciúma"),
    "SP": (
        "São Paulo", "Campinas", "Ribeirão Preto", "São José dos Campos", "Santos",
        "Sorocaba", "São José do Rio Preto", "Jundiaí", "Bauru", "Guarulhos", "Santo André",
    ),
    "SE": ("Aracaju", "Lagarto"),
    "TO": ("Palmas", "Araguaína"),
}  # fmt: skip

SAINTS = (
    "São Lucas", "Santa Casa", "São José", "Santa Marta", "São Camilo", "Santa Rita",
    "São Vicente de Paulo", "Nossa Senhora da Conceição", "Santa Izabel", "São Francisco",
    "Santo Antônio", "São João Batista", "Santa Lúcia", "São Luiz", "Santa Catarina",
)  # fmt: skip
HOSPITAL_KINDS = (
    "Hospital {saint}", "Hospital {saint}", "Hospital Universitário {surname}",
    "Hospital e Maternidade {saint}", "Hospital {surname}", "Instituto de Oncologia {surname}",
    "Hospital Regional de {city}", "Santa Casa de Misericórdia de {city}",
)  # fmt: skip
CLINIC_KINDS = (
    "Clínica {surname}", "Centro de Oncologia {surname}", "Clínica {saint}",
    "Instituto de Hematologia {surname}", "Centro de Infusão {surname}",
    "Clínica de Reumatologia {surname}", "Policlínica {saint}", "Clínica Endócrina {surname}",
)  # fmt: skip
PHARMACY_KINDS = (
    "Drogaria {surname}", "Drogaria Araújo", "Farmácia {saint}", "Rede {surname} Farma",
    "Drogarias {surname}", "Farmácias Pague Menos", "Drogaria São Paulo", "Farmácia Preço Popular",
)  # fmt: skip
DISTRIBUTOR_KINDS = (
    "Distribuidora {surname} Ltda.", "{surname} Distribuição de Medicamentos S.A.",
    "Comercial {surname} de Medicamentos", "Profarma {city}", "Distribuidora Santa Cruz",
    "Oncoprod {city}", "{surname}, Irmãos & Cia. Distribuidora",
)  # fmt: skip
HEALTH_PLAN_KINDS = (
    "Unimed {city}", "{surname} Saúde", "Plano {saint} Saúde", "Hapvida {city}",
    "Cooperativa Médica de {city}", "Amil {city}", "SulAmérica Saúde {city}",
)  # fmt: skip
GOVERNMENT_KINDS = (
    "Secretaria Estadual de Saúde - {state}", "Secretaria Municipal de Saúde de {city}",
    "Fundação Hospitalar de {city}", "Consórcio Intermunicipal de Saúde de {city}",
    "Hospital das Forças Armadas - {city}", "Ministério da Saúde - Núcleo {state}",
)  # fmt: skip
NAME_TEMPLATES = {
    "hospital": HOSPITAL_KINDS,
    "clinic": CLINIC_KINDS,
    "pharmacy_chain": PHARMACY_KINDS,
    "distributor": DISTRIBUTOR_KINDS,
    "health_plan": HEALTH_PLAN_KINDS,
    "government": GOVERNMENT_KINDS,
}

FIRST_NAMES = (
    "Ana", "João", "Maria", "José", "Antônio", "Francisco", "Luís", "Mônica", "Márcia",
    "Lúcia", "Fábio", "Cláudia", "Sérgio", "Patrícia", "Rogério", "Débora", "Vinícius",
    "Letícia", "André", "Júlia", "Otávio", "Beatriz", "Caio", "Camila", "Rafael", "Fernanda",
    "Gustavo", "Juliana", "Thiago", "Renata", "Paulo", "Aline", "Marcelo", "Simone", "Eduardo",
    "Tânia", "Raquel", "Rodrigo", "Helena", "Luíza", "Gabriel", "Isabela", "Conceição",
    "Sebastião", "Joaquim", "Inês", "Cecília", "Estêvão", "Flávia", "Valéria",
)  # fmt: skip
LAST_NAMES = (
    "Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira", "Lima",
    "Gomes", "Araújo", "Ribeiro", "Carvalho", "Almeida", "Lopes", "Soares", "Fernandes",
    "Vieira", "Barbosa", "Rocha", "Dias", "Nascimento", "Andrade", "Moreira", "Nunes",
    "Marques", "Machado", "Mendes", "Freitas", "Cardoso", "Ramos", "Gonçalves", "Simões",
    "Magalhães", "Brandão", "Conceição", "Assunção", "Falcão", "Guimarães", "Damasceno",
    "Sá", "Leão", "Romão", "Monteiro", "Teixeira", "Correia", "Castro", "Pinheiro",
)  # fmt: skip

JOB_TITLES = {
    "decision_maker": (
        "Diretor(a) Clínico(a)",
        "Diretor(a) de Suprimentos",
        "Superintendente",
        "Secretário(a) de Saúde",
        "Diretor(a) Técnico(a)",
        "Gerente de Compras",
    ),
    "influencer": (
        "Oncologista",
        "Farmacêutico(a) Clínico(a)",
        "Coordenador(a) de Oncologia",
        "Médico(a) Reumatologista",
        "Presidente da Comissão de Farmácia e Terapêutica",
    ),
    "champion": ("Chefe de Serviço", "Coordenador(a) Médico(a)", "Farmacêutico(a) Responsável"),
    "gatekeeper": ("Secretária Executiva", "Assistente de Compras", "Analista de Licitações"),
    "user": ("Enfermeiro(a)", "Médico(a) Residente", "Farmacêutico(a)", "Comprador(a)"),
}
DEPARTMENTS = (
    "Farmácia", "Suprimentos", "Oncologia", "Diretoria", "Compras", "Licitações",
    "Hematologia", "Reumatologia", "Endocrinologia", "Cardiologia",
)  # fmt: skip

COMPETITORS = (
    "Roche", "Novartis", "Pfizer", "AstraZeneca", "Sanofi", "MSD", "Bayer", "Eurofarma",
    "EMS", "Aché", "Libbs", "Takeda", "Bristol-Myers Squibb", "Janssen", "Boehringer",
)  # fmt: skip

THERAPEUTIC_AREAS = (
    "oncology", "immunology", "diabetes", "cardiology", "neurology", "respiratory",
    "infectious_diseases", "hematology", "rare_diseases", "dermatology",
)  # fmt: skip
# Price ranges per area (BRL per unit, a box or a vial): oncology and rare diseases are specialty
# drugs, diabetes and cardiology are chronic-care volume products.
AREA_PRICE_RANGE = {
    "oncology": (1_500.0, 18_000.0),
    "immunology": (900.0, 9_000.0),
    "diabetes": (40.0, 450.0),
    "cardiology": (25.0, 300.0),
    "neurology": (60.0, 1_200.0),
    "respiratory": (35.0, 400.0),
    "infectious_diseases": (80.0, 2_500.0),
    "hematology": (700.0, 12_000.0),
    "rare_diseases": (8_000.0, 60_000.0),
    "dermatology": (30.0, 900.0),
}
BRAND_SYLLABLES = (
    "ona", "vex", "tra", "lix", "zen", "mab", "cor", "neo", "pra", "tal", "dax", "rin",
    "sol", "vir", "lum", "ext", "gli", "car", "fen", "oxa",
)  # fmt: skip
PRESENTATIONS = (
    "100 mg frasco-ampola", "10 mg/ml solução injetável", "50 mg comprimido revestido c/ 30",
    "500 mg comprimido c/ 60", "caneta preenchida 1,5 ml", "20 mg cápsula c/ 28",
    "200 mg/ml injetável", "inalador 120 doses",
)  # fmt: skip

ACTIVITY_OUTCOMES = {
    "visit": (
        "Apresentação do portfólio de oncologia",
        "Visita à farmácia hospitalar",
        "Alinhamento de demanda do trimestre",
        "Treinamento da equipe de enfermagem",
    ),
    "call": ("Follow-up de pedido", "Negociação de preço", "Agendamento de reunião"),
    "email": ("Envio de proposta comercial", "Envio de material científico", "Cotação enviada"),
    "meeting": (
        "Reunião com a Comissão de Farmácia e Terapêutica",
        "Revisão do plano de conta",
        "Reunião de negócios trimestral",
    ),
    "event": ("Simpósio regional de oncologia", "Congresso brasileiro de reumatologia"),
}
SERVICE_CHANNELS = ("email", "phone", "portal", "whatsapp")
OPPORTUNITY_OPEN_STAGES = ("prospecting", "qualification", "proposal", "negotiation")
ACTION_TEMPLATES = (
    "Agendar reunião com a diretoria clínica",
    "Apresentar estudo de farmacoeconomia à comissão de farmácia",
    "Submeter dossiê para inclusão em formulário",
    "Preparar proposta para o pregão eletrônico",
    "Treinar equipe de enfermagem sobre administração",
    "Mapear novos decisores na área de suprimentos",
    "Negociar renovação de contrato anual",
    "Organizar educação médica continuada",
    "Revisar níveis de estoque com o distribuidor",
    "Lançar novo produto junto aos prescritores",
)  # fmt: skip
SWOT_ITEMS = {
    "strength": (
        "Relacionamento próximo com a diretoria",
        "Produto incluído no formulário",
        "Alta adesão dos prescritores",
        "Histórico de entregas sem falhas",
    ),
    "weakness": (
        "Poucos decisores mapeados",
        "Preço acima do concorrente",
        "Baixa frequência de visitas",
        "Dependência de um único contato",
    ),
    "opportunity": (
        "Nova ala de oncologia em construção",
        "Licitação prevista para o próximo semestre",
        "Lançamento de biossimilar",
        "Expansão da rede credenciada",
    ),
    "threat": (
        "Concorrente com genérico mais barato",
        "Corte de orçamento público",
        "Troca da gestão de compras",
        "Atrasos de pagamento",
    ),
}
OVERRIDE_REASONS = (
    "Conta estratégica para o lançamento em oncologia",
    "Centro de referência regional, formador de opinião",
    "Em renegociação de contrato: manter atenção da diretoria",
    "Receita em queda temporária por obras, potencial mantido",
    "Conta incorporada por grupo hospitalar",
)  # fmt: skip
